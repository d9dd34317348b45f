"""Sales documents and what they sell (spec §2.9, §4.10). For now only the item catalogue (issue #6 needs it)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from salescycle.core.money import amount_field


class Item(models.Model):
    """A product or service the company sells, with its unit price in LCY (BC Item, subset)."""

    code = models.CharField(_("no."), max_length=20, primary_key=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    unit_price = amount_field(_("unit price (LCY)"))
    blocked = models.BooleanField(_("blocked"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()
