from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from satudata.accounts.admin import PolicyAdmin, admin_site
from satudata.accounts.permissions import can
from satudata.audit.actions import record
from satudata.audit.constants import AuditAction

from .constants import Access
from .models import Dataset, Resource, Tag, Topic


@admin.register(Topic, site=admin_site)
class TopicAdmin(PolicyAdmin):
    list_display = ["name", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag, site=admin_site)
class TagAdmin(PolicyAdmin):
    search_fields = ["name"]


class ResourceInline(admin.TabularInline):
    model = Resource
    extra = 0
    fields = ["name", "kind", "position"]

    def has_view_permission(self, request, obj=None):
        return PolicyAdmin.has_view_permission(self, request, obj)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


class DatasetAdminForm(forms.ModelForm):
    """A classification change needs a written reason, and only the Walidata makes data Terbuka."""

    access_reason = forms.CharField(
        label=_("Alasan perubahan klasifikasi akses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    actor = None  # set by DatasetAdmin.get_form

    class Meta:
        model = Dataset
        fields = "__all__"  # noqa: DJ007  (the admin chooses the fields it shows)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "access" in self.fields:
            # An edit without the class keeps it; only dataset.classify may change it.
            self.fields["access"].required = False
            if not can(self.actor, "dataset.classify", self.instance):
                self.fields["access"].disabled = True

    def clean_access(self):
        return self.cleaned_data.get("access") or self.instance.access

    def clean(self):
        data = super().clean()
        # Still the stored class here (the instance is updated after clean()).
        if self.instance.pk and data.get("access") != self.instance.access:
            if not (data.get("access_reason") or "").strip():
                self.add_error("access_reason", _("Tuliskan alasan perubahan klasifikasi akses."))
            if data.get("access") == Access.OPEN and not can(
                self.actor, "dataset.make_open", self.instance
            ):
                self.add_error(
                    "access", _("Hanya Walidata yang dapat membuat dataset menjadi Terbuka.")
                )
        return data


@admin.register(Dataset, site=admin_site)
class DatasetAdmin(PolicyAdmin):
    """Edits are audited like the staff form's: dataset.classification (with the reason) and
    dataset.change (the changed fields), inside the admin's transaction."""

    form = DatasetAdminForm
    list_display = ["title", "organization", "access", "state", "is_priority", "is_demo"]
    list_filter = ["access", "state", "is_priority", "organization", "topics"]
    search_fields = ["title", "slug"]
    filter_horizontal = ["topics", "tags"]
    raw_id_fields = ["spatial_coverage"]
    inlines = [ResourceInline]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        from .editing import snapshot

        if change:
            before = snapshot(Dataset.objects.get(pk=obj.pk))
            form._audit_before = before
            # The class changes only through change_access, after the other fields are saved.
            form._new_access, obj.access = obj.access, before["access"]
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before = getattr(form, "_audit_before", None)
        if before is None:
            return
        from .actions import change_access
        from .editing import changes, snapshot

        old, new = changes(before, snapshot(form.instance))
        if old:
            record(
                AuditAction.DATASET_CHANGE,
                form.instance,
                actor=request.user,
                request=request,
                before=old,
                after=new,
            )
        change_access(
            form.instance,
            form._new_access,
            actor=request.user,
            request=request,
            reason=form.cleaned_data.get("access_reason", ""),
        )
