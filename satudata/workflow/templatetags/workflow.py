from django import template

from satudata.accounts.permissions import can

from ..models import Submission

register = template.Library()


@register.inclusion_tag("workflow/_submission_link.html", takes_context=True)
def submission_link(context, version):
    """Where `version` stands in review, with "Ajukan" for whoever may submit it."""
    user = context["request"].user
    submission = Submission.objects.filter(version=version).first() if version is not None else None
    may_submit = (
        version is not None
        and not version.is_published
        and (submission is None or submission.state in ("draft", "returned"))
        and can(
            user,
            "submission.submit",
            submission or Submission(version=version, dataset=version.resource.dataset),
        )
    )
    return {"version": version, "submission": submission, "may_submit": may_submit}


@register.filter
def may_withdraw(dataset, user):
    """{% if dataset|may_withdraw:user %}: a published dataset the user may withdraw."""
    return dataset.state == "published" and can(user, "dataset.withdraw", dataset)
