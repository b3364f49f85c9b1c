"""The Django admin, open only to the Admin role (asked through the one permission check)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Membership, Organization, User
from .permissions import can


class SatuDataAdminSite(admin.AdminSite):
    site_header = _("Administrasi Satu Data")
    site_title = _("Admin Satu Data")
    index_title = _("Administrasi")

    def has_permission(self, request):
        return can(request.user, "admin.access")


admin_site = SatuDataAdminSite(name="admin")


class PolicyAdmin(admin.ModelAdmin):
    """Every model page asks the same question: may this user use the admin at all."""

    def has_module_permission(self, request):
        return can(request.user, "admin.access")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "admin.access")

    def has_add_permission(self, request):
        return can(request.user, "admin.access")

    def has_change_permission(self, request, obj=None):
        return can(request.user, "admin.access")

    def has_delete_permission(self, request, obj=None):
        return can(request.user, "admin.access")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["organization"]

    def has_view_permission(self, request, obj=None):
        return can(request.user, "admin.access")

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(User, site=admin_site)
class UserAdmin(PolicyAdmin, BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "full_name", "email", "is_active", "last_login"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Satu Data"), {"fields": ["full_name"]}),)


@admin.register(Organization, site=admin_site)
class OrganizationAdmin(PolicyAdmin):
    list_display = ["name", "short_name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["region"]
