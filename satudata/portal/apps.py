from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The public pages: home, search, dataset, OPD and topic pages, downloads."""

    name = "satudata.portal"
    label = "portal"
    verbose_name = "Portal"
