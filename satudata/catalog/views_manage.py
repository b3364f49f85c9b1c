"""Staff pages to create a dataset and edit its metadata (under /kelola/)."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from satudata.accounts.permissions import authorize, can, route

from . import editing
from .actions import ClassificationRefused
from .forms import DatasetForm
from .models import Dataset


@route("dataset.create")
def create(request):
    authorize(request.user, "dataset.create")
    form = DatasetForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        dataset = editing.create_dataset(form, actor=request.user, request=request)
        messages.success(
            request,
            _("Dataset “%(title)s” dibuat sebagai Draf. Langkah berikutnya: unggah berkas datanya.")
            % {"title": dataset.title},
        )
        return redirect("catalog_manage:change", dataset.slug)
    return render(
        request,
        "catalog/dataset_form.html",
        {"form": form, "dataset": None},
        status=400 if form.errors else 200,
    )


@route("dataset.change")
def change(request, slug):
    if request.method != "POST":
        dataset = _get(slug)
        authorize(request.user, "dataset.change", dataset)
        form = DatasetForm(instance=dataset, user=request.user)
        return _render(request, form, dataset)
    with transaction.atomic():
        try:
            dataset = editing.lock(slug)
        except Dataset.DoesNotExist:
            raise Http404 from None
        authorize(request.user, "dataset.change", dataset)
        before = editing.snapshot(dataset)
        form = DatasetForm(request.POST, instance=dataset, user=request.user)
        saved = False
        if form.is_valid():
            try:
                with transaction.atomic():
                    old, _new = editing.change_metadata(
                        form, before, actor=request.user, request=request
                    )
                saved = True
            except ClassificationRefused as refused:
                form.add_error("access", str(refused))
    if form.access_ignored:
        messages.warning(
            request,
            _("Klasifikasi akses hanya dapat diubah oleh Walidata; nilai yang dikirim diabaikan."),
        )
    if not saved:
        # Show the stored dataset in the header, not the half-applied form values.
        return _render(request, form, _get(slug), status=400)
    if old:
        messages.success(request, _("Perubahan metadata disimpan dan dicatat di jejak audit."))
    else:
        messages.info(request, _("Tidak ada yang berubah."))
    return redirect("catalog_manage:change", slug)


def _get(slug):
    try:
        return Dataset.objects.select_related("organization").get(slug=slug)
    except Dataset.DoesNotExist:
        raise Http404 from None


def _render(request, form, dataset, status=200):
    return render(
        request,
        "catalog/dataset_form.html",
        {
            "form": form,
            "dataset": dataset,
            "can_upload": can(request.user, "dataset.upload", dataset),
        },
        status=status,
    )
