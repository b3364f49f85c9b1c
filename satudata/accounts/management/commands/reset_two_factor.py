"""satudata reset-two-factor USERNAME: remove a user's TOTP device and recovery codes."""

from django.core.management.base import BaseCommand, CommandError

from satudata.accounts.actions import disable_two_factor
from satudata.accounts.models import User


class Command(BaseCommand):
    help = (
        "Remove a user's two-factor device and recovery codes and end all their sessions"
        " (they set it up again at their next sign-in). Audited as account.two_factor_disabled."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", default="reset by an operator (reset-two-factor)")

    def handle(self, *args, username, reason, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        disable_two_factor(None, user=user, reason=reason)
        self.stdout.write(f"two-factor verification reset for {username}; all sessions ended")
