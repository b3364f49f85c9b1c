from django.contrib import admin

from satudata.accounts.admin import PolicyAdmin, admin_site

from .models import Notification


@admin.register(Notification, site=admin_site)
class NotificationAdmin(PolicyAdmin):
    list_display = ["created_at", "recipient", "kind", "subject", "read_at", "emailed_at"]
    list_filter = ["kind"]
    search_fields = ["subject", "recipient__username"]
    readonly_fields = ["created_at", "read_at", "emailed_at"]
