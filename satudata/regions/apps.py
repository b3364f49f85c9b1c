from django.apps import AppConfig


class RegionsConfig(AppConfig):
    """The kode wilayah reference: Kemendagri codes for all of Indonesia, BPS codes alongside."""

    name = "satudata.regions"
    label = "regions"
    verbose_name = "Kode wilayah"
