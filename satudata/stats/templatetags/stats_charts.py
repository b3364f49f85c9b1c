from django import template

from satudata.stats.suggest import plan

register = template.Library()


@register.inclusion_tag("stats/_suggest.html")
def suggested_charts(version, title=""):
    """Links to the charts a published table suggests (see stats/suggest.py)."""
    p = plan(version) if version is not None and version.is_published else None
    return {"version": version, "kinds": p["kinds"] if p else [], "title": title}
