"""Forms of tasks (a new task by hand) and of activities with their steps (shape only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from salescycle.core.date_input import LocalizedDateInput
from salescycle.core.views import LineForm, LineFormSet
from salescycle.core.widgets import with_lookups
from salescycle.tasks.models import Activity, Priority, TaskType

DATE = LocalizedDateInput()  # in the interface language's format (issue #15)


@with_lookups
class TaskForm(forms.Form):
    """A task created by hand (spec §2.8): the same fields as ``POST /tasks``; the rules (references the user may see,
    the opportunity's active entry as Opportunity Entry No.) are the task service's."""

    description = forms.CharField(label=_("Description"), max_length=100, required=False)
    date = forms.DateField(label=_("Date"), required=False, widget=DATE)
    type = forms.ChoiceField(label=_("Type"), choices=TaskType.choices, required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    salesperson_code = forms.CharField(label=_("Salesperson Code"), max_length=20, required=False)
    contact_no = forms.CharField(label=_("Contact No."), max_length=20, required=False)
    opportunity_no = forms.CharField(label=_("Opportunity No."), max_length=20, required=False)


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["code", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields["code"].disabled = True


class ActivityStepForm(LineForm):
    step_no = forms.IntegerField(label=_("Step No."), min_value=1, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=TaskType.choices, required=False)
    description = forms.CharField(label=_("Description"), max_length=100, required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    date_formula = forms.CharField(label=_("Date Formula"), max_length=32, required=False)


ActivityStepFormSet = forms.formset_factory(ActivityStepForm, formset=LineFormSet, extra=2, can_delete=True)
