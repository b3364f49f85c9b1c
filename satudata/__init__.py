"""Satu Data: a One Data (Satu Data Indonesia) and sectoral statistics portal."""
