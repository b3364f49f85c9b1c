from django.contrib import admin

from satudata.accounts.admin import PolicyAdmin, admin_site

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


@admin.register(Dataset, site=admin_site)
class DatasetAdmin(PolicyAdmin):
    list_display = ["title", "organization", "access", "state", "is_priority", "is_demo"]
    list_filter = ["access", "state", "is_priority", "organization", "topics"]
    search_fields = ["title", "slug"]
    filter_horizontal = ["topics", "tags"]
    raw_id_fields = ["spatial_coverage"]
    inlines = [ResourceInline]
