"""The Django admin, open only to the Admin role (asked through the one permission check)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from satudata.audit.actions import record
from satudata.audit.constants import AuditAction

from .actions import account_deactivated, disable_two_factor
from .models import Membership, Organization, User
from .permissions import can


class SatuDataAdminSite(admin.AdminSite):
    site_header = _("Administrasi Satu Data")
    site_title = _("Admin Satu Data")
    index_title = _("Administrasi")

    def has_permission(self, request):
        return can(request.user, "admin.access")

    def login(self, request, extra_context=None):
        """Sign-in goes through /masuk/ (lockout, second factor), never the admin's own form."""
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))

    def password_change(self, request, extra_context=None):
        """The one password change page applies the policy and records the change."""
        return redirect("accounts:password_change")


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


def membership_state(membership):
    """A role held, as the audit trail records it."""
    return {
        "membership": membership.pk,
        "user": membership.user.username,
        "role": membership.role,
        "organization": membership.organization.slug if membership.organization_id else None,
    }


@admin.register(User, site=admin_site)
class UserAdmin(PolicyAdmin, BaseUserAdmin):
    """Role changes (memberships added, changed, removed; a user (de)activated or deleted) are
    audited as role.grant / role.change / role.revoke inside the admin's own transaction."""

    inlines = [MembershipInline]
    actions = ["reset_two_factor"]
    list_display = ["username", "full_name", "email", "is_active", "last_login"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Satu Data"), {"fields": ["full_name"]}),)

    def save_model(self, request, obj, form, change):
        was_active = (
            User.objects.filter(pk=obj.pk).values_list("is_active", flat=True).first()
            if change
            else None
        )
        super().save_model(request, obj, form, change)
        if change and was_active is not None and was_active != obj.is_active:
            # An inactive user holds no role (User.roles()): (de)activation is a role change.
            record(
                AuditAction.ROLE_CHANGE,
                obj,
                actor=request.user,
                request=request,
                before={"is_active": was_active},
                after={"is_active": obj.is_active},
            )
            if not obj.is_active:
                # User.save() raised the session epoch: every session of the user is over.
                account_deactivated(request, obj)

    @admin.action(description=_("Setel ulang verifikasi dua langkah"))
    def reset_two_factor(self, request, queryset):
        """For a user who lost the phone and the recovery codes: they set it up again at
        their next sign-in; all their sessions end."""
        with transaction.atomic():
            for user in queryset:
                disable_two_factor(request, user=user, reason="admin reset")
        self.message_user(request, _("Verifikasi dua langkah disetel ulang."))

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        user = form.instance
        before = {
            m.pk: membership_state(m)
            for m in Membership.objects.filter(user=user).select_related("user", "organization")
        }
        removed = [before[f.instance.pk] for f in formset.deleted_forms if f.instance.pk in before]
        super().save_formset(request, form, formset, change)
        for state in removed:
            record(AuditAction.ROLE_REVOKE, user, actor=request.user, request=request, before=state)
        for membership in formset.new_objects:
            record(
                AuditAction.ROLE_GRANT,
                user,
                actor=request.user,
                request=request,
                after=membership_state(membership),
            )
        for membership, _fields in formset.changed_objects:
            after = membership_state(membership)
            if before.get(membership.pk) != after:
                record(
                    AuditAction.ROLE_CHANGE,
                    user,
                    actor=request.user,
                    request=request,
                    before=before.get(membership.pk),
                    after=after,
                )

    def _record_removal(self, request, user):
        for membership in user.memberships.select_related("user", "organization"):
            record(
                AuditAction.ROLE_REVOKE,
                user,
                actor=request.user,
                request=request,
                before=membership_state(membership),
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._record_removal(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The "delete selected" action runs outside the admin's transaction: make one.
        with transaction.atomic():
            for user in queryset:
                self._record_removal(request, user)
            super().delete_queryset(request, queryset)


@admin.register(Organization, site=admin_site)
class OrganizationAdmin(PolicyAdmin):
    list_display = ["name", "short_name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["region"]
