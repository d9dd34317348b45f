"""Shared kernel tables: number series (D20) and each user's preferences (WorkDate, language)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NumberSeries(models.Model):
    """A number series: prefix + zero-padded counter giving the next document number (spec §4.1, D20)."""

    code = models.CharField(_("code"), max_length=20, primary_key=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=10)
    digits = models.PositiveSmallIntegerField(_("digits"), default=6)
    last_no_used = models.PositiveBigIntegerField(_("last number used"), default=0)
    manual_nos = models.BooleanField(_("manual numbers"), default=True)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        constraints = [models.CheckConstraint(condition=models.Q(digits__gte=1, digits__lte=18), name="nos_digits")]

    def __str__(self) -> str:
        return f"{self.code} ({self.prefix})"

    def format(self, number: int) -> str:
        """The document number for ``number``: prefix + ``number`` padded to ``digits``."""
        return f"{self.prefix}{number:0{self.digits}d}"


class UserPreference(models.Model):
    """A user's working date (BC WorkDate; blank = today) and interface language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="preference"
    )
    work_date = models.DateField(_("work date"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self) -> str:
        return str(self.user)
