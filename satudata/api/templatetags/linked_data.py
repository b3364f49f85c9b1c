"""Template tags of the linked-data adapter (satudata.api.linked)."""

from django import template

from satudata.api.linked.schemaorg import dataset_block

register = template.Library()


@register.simple_tag
def dataset_jsonld(dataset):
    """The schema.org Dataset JSON-LD block of a public dataset page (nothing otherwise)."""
    return dataset_block(dataset)
