"""Forms of the opportunity screens. They check shape only; every rule is the services' (conventions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.html import format_html
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from salescycle.core import bcfilter
from salescycle.core.date_input import LocalizedDateInput
from salescycle.core.fields import model_choices
from salescycle.core.models import NumberSeries
from salescycle.core.views import LineForm, LineFormSet
from salescycle.core.widgets import with_lookups
from salescycle.opportunities.choices import ActionType, CloseType, OpportunityStatus, SalesDocumentType
from salescycle.opportunities.engine import UpdateOptions
from salescycle.opportunities.models import CloseOpportunityCode, MarketingSetup, Opportunity, SalesCycle
from salescycle.opportunities.selectors import ListFilters
from salescycle.opportunities.selectors.display import LIST_COLUMNS
from salescycle.opportunities.services import EDITABLE
from salescycle.opportunities.services.audit import field_values
from salescycle.tasks.models import Activity, Priority


class ReadOnlyText(forms.Widget):
    """Shows a read-only field's value as text (with the choice label for select fields), never as an input."""

    def __init__(self, choices: Any = ()) -> None:
        super().__init__()
        self.choices = dict(choices)

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> Any:
        shown = self.choices.get(value, value) if value not in (None, "") else "—"
        return format_html('<span class="readonly" id="{}">{}</span>', (attrs or {}).get("id", ""), shown)


DATE = LocalizedDateInput()  # in the interface language's format (issue #15)
BLANK: list[tuple[str, Any]] = [("", "—")]


def cycle_choices() -> list[tuple[str, Any]]:
    """Sales cycles as select choices (one query)."""
    return BLANK + [(c.code, str(c)) for c in SalesCycle.objects.order_by("code")]


def _date(label: Any, required: bool = False) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE)


def _amount(label: Any, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, max_digits=20, decimal_places=2)


def _percent(label: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, max_digits=7, decimal_places=4)


YES_NO: list[tuple[str, Any]] = [("", "—"), ("no", _("No")), ("yes", _("Yes"))]


@with_lookups
class ListFilterForm(forms.Form):
    """The opportunity list's filters and sort (GET), checked for shape; :meth:`filters` hands them to the list's one
    filter definition (``opportunities/filters.py``), which the API list uses too."""

    q = forms.CharField(label=_("Search (no., description, contact, salesperson)"), required=False)
    salesperson = forms.CharField(label=_("Salesperson Code"), required=False)
    contact = forms.CharField(label=_("Contact No."), required=False)
    campaign = forms.CharField(label=_("Campaign No."), required=False)
    segment = forms.CharField(label=_("Segment No."), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=BLANK + model_choices(OpportunityStatus))
    closed = forms.ChoiceField(label=_("Closed"), required=False, choices=YES_NO)
    cycle = forms.ChoiceField(label=_("Sales Cycle Code"), required=False)
    stage = forms.IntegerField(label=_("Stage"), required=False, min_value=0)
    created_from = _date(_("Created from"))
    created_to = _date(_("Created to"))
    closing_from = _date(_("Est. closing from"))
    closing_to = _date(_("Est. closing to"))
    closed_from = _date(_("Closed from"))
    closed_to = _date(_("Closed to"))
    close_code = forms.CharField(label=_("Close Opportunity Code"), required=False)
    has_salesperson = forms.ChoiceField(label=_("With salesperson"), required=False, choices=YES_NO)
    has_contact = forms.ChoiceField(label=_("With contact"), required=False, choices=YES_NO)
    has_campaign = forms.ChoiceField(label=_("With campaign"), required=False, choices=YES_NO)
    team = forms.CharField(label=_("Team"), required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = cycle_choices()  # type: ignore[attr-defined]

    def active_count(self) -> int:
        """How many filters are set (valid and not blank; the sort is not a filter), for the collapsed filter panel's
        summary (issue #15 "The list")."""
        data = self.cleaned_data if self.is_valid() else {}
        return sum(1 for name in _FILTER_DEFAULTS if name != "sort" and data.get(name) not in (None, ""))

    def filters(self) -> ListFilters:
        """The filters (invalid values are ignored: the list stays usable)."""
        data = self.cleaned_data if self.is_valid() else {}
        return ListFilters(
            **{
                name: default if data.get(name) in (None, "") else data[name]
                for name, default in _FILTER_DEFAULTS.items()
            }
        )


_FILTER_DEFAULTS: dict[str, Any] = {
    "salesperson": "",
    "contact": "",
    "campaign": "",
    "segment": "",
    "status": "",
    "closed": "",
    "cycle": "",
    "stage": None,
    "created_from": None,
    "created_to": None,
    "closing_from": None,
    "closing_to": None,
    "closed_from": None,
    "closed_to": None,
    "close_code": "",
    "has_salesperson": "",
    "has_contact": "",
    "has_campaign": "",
    "team": "",
    "q": "",
    "sort": "no",
}


class ListColumnsForm(forms.Form):
    """The Opportunity List's column chooser (POST): the keys of the columns to show (``display.LIST_COLUMNS``)."""

    cols = forms.MultipleChoiceField(
        label=_("Columns"), required=False, choices=[(c.key, c.label) for c in LIST_COLUMNS]
    )


class SaveViewForm(forms.Form):
    """Save the Opportunity List's current filters, sort and columns (``query``) under a ``name`` (POST)."""

    name = forms.CharField(label=_("View name"), max_length=60)
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class DefaultViewForm(forms.Form):
    """Make a built-in view (``view``, its key) or one of the user's saved views (``saved``, its id) the view the
    Opportunity List opens (POST)."""

    view = forms.CharField(required=False, max_length=20)
    saved = forms.IntegerField(required=False, min_value=1)


class ReportFilterForm(ListFilterForm):
    """The reports' filters (GET, spec §5.9): the list's (:class:`ListFilterForm`) and the Blocked filter of Sales
    Cycle - Analysis; invalid values are ignored."""

    blocked = forms.ChoiceField(
        label=_("Blocked"), required=False, choices=[("", "—"), ("no", _("No")), ("yes", _("Yes"))]
    )

    def value(self, name: str) -> Any:
        """The cleaned value of field ``name`` (None when blank or the form is invalid)."""
        return (self.cleaned_data if self.is_valid() else {}).get(name) or None

    def captions(self, names: list[str]) -> list[tuple[Any, str]]:
        """The fields among ``names`` that are set, as (label, value as shown: a choice's label) for a report's
        header."""
        shown = []
        for name in names:
            value = self.value(name)
            if value is None:
                continue
            field = self.fields[name]
            choices = dict(getattr(field, "choices", ()))
            shown.append(
                (field.label, str(choices.get(value, value.isoformat() if hasattr(value, "isoformat") else value)))
            )
        return shown


# The read-only reference fields shown with their record's name: field → the opportunity's relation.
READ_ONLY_NAMES = {"salesperson_code": "salesperson", "contact_no": "contact"}


@with_lookups
class OpportunityForm(forms.Form):
    """The card's editable fields; fields read-only in the opportunity's status are disabled (spec §4.12)."""

    description = forms.CharField(label=_("Description"), max_length=100, required=False)
    contact_no = forms.CharField(label=_("Contact No."), max_length=20, required=False)
    salesperson_code = forms.CharField(label=_("Salesperson Code"), max_length=20, required=False)
    campaign_no = forms.CharField(label=_("Campaign No."), max_length=20, required=False)
    segment_no = forms.CharField(label=_("Segment No."), max_length=20, required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    sales_cycle_code = forms.ChoiceField(label=_("Sales Cycle Code"), required=False)
    sales_document_type = forms.ChoiceField(
        label=_("Sales Document Type"),
        required=False,
        choices=[(v, label) for v, label in model_choices(SalesDocumentType) if v != SalesDocumentType.POSTED_INVOICE],
    )
    sales_document_no = forms.CharField(label=_("Sales Document No."), max_length=20, required=False)
    update_open_tasks = forms.BooleanField(
        label=_("Also change the open tasks that have the old salesperson, contact or campaign"), required=False
    )

    def __init__(self, *args: Any, opportunity: Opportunity, **kwargs: Any) -> None:
        kwargs.setdefault("initial", initial_for(opportunity))
        super().__init__(*args, **kwargs)
        self.opportunity = opportunity
        self.fields["sales_cycle_code"].choices = cycle_choices()  # type: ignore[attr-defined]
        for name, statuses in EDITABLE.items():
            if opportunity.status not in statuses:
                field = self.fields[name]
                field.disabled = True
                # Read-only shows every label, also Posted Invoice, which cannot be chosen (issue #15).
                choices: Any = model_choices(SalesDocumentType) if name == "sales_document_type" else ()
                if name in READ_ONLY_NAMES and getattr(opportunity, READ_ONLY_NAMES[name]) is not None:
                    # The reference's "<key> <name>", as beside a lookup (the row is loaded with the card).
                    key = getattr(opportunity, f"{READ_ONLY_NAMES[name]}_id")
                    choices = [(key, str(getattr(opportunity, READ_ONLY_NAMES[name])))]
                field.widget = ReadOnlyText(choices or getattr(field, "choices", ()))

    @property
    def has_task_fields(self) -> bool:
        """True when a field whose change may carry over to the open tasks (contact, salesperson, campaign) can be
        changed: only then is "Also change the open tasks…" asked."""
        return any(not self.fields[name].disabled for name in ("contact_no", "salesperson_code", "campaign_no"))

    def changes(self) -> dict[str, Any]:
        """The editable fields whose value differs from the opportunity's, as ``change_opportunity`` names."""
        initial = initial_for(self.opportunity)
        return {
            name: self.cleaned_data[name]
            for name in EDITABLE
            if not self.fields[name].disabled and (self.cleaned_data[name] or "") != (initial[name] or "")
        }


def initial_for(opportunity: Opportunity) -> dict[str, Any]:
    """The card form's values for ``opportunity`` (its changeable fields under the service's names, blank as "")."""
    return {name: "" if value is None else value for name, value in field_values(opportunity).items()}


class CommentForm(forms.Form):
    """A new comment line."""

    comment = forms.CharField(label=_("Comment"), max_length=250)


@with_lookups
class CreateOpportunityForm(forms.Form):
    """The Create Opportunity wizard (spec §4.2.2); from a segment it creates one per contact (§4.2.3)."""

    description = forms.CharField(label=_("Description"), max_length=100, required=False)
    creation_date = _date(_("Creation Date"))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    contact_no = forms.CharField(label=_("Contact No."), max_length=20, required=False)
    salesperson_code = forms.CharField(label=_("Salesperson Code"), max_length=20, required=False)
    sales_cycle_code = forms.ChoiceField(label=_("Sales Cycle Code"), required=False)
    campaign_no = forms.CharField(label=_("Campaign No."), max_length=20, required=False)
    segment_no = forms.CharField(label=_("Segment No."), max_length=20, required=False)
    for_all_segment_contacts = forms.BooleanField(
        label=_("Create an opportunity for every contact of the segment"), required=False
    )
    activate_first_stage = forms.BooleanField(label=_("Activate First Stage"), required=False)
    estimated_value = _amount(_("Estimated Value (LCY)"))
    chances_of_success_pct = _percent(_("Chances of Success %"))
    estimated_closing_date = _date(_("Estimated Closing Date"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sales_cycle_code"].choices = cycle_choices()  # type: ignore[attr-defined]


class UpdateOpportunityForm(forms.Form):
    """The Update Opportunity wizard (spec §4.5): only the actions the engine offers, the stage for Skip/Jump."""

    action_type = forms.ChoiceField(label=_("Action Type"), widget=forms.RadioSelect)
    sales_cycle_stage = forms.TypedChoiceField(label=_("Stage"), coerce=int, required=False, empty_value=None)
    date_of_change = _date(_("Date of Change"))
    estimated_value = _amount(_("Estimated Value (LCY)"))
    chances_of_success_pct = _percent(_("Chances of Success %"))
    estimated_close_date = _date(_("Estimated Close Date"))
    cancel_old_tasks = forms.BooleanField(label=_("Cancel Existing Open Tasks"), required=False)

    def __init__(self, *args: Any, options: UpdateOptions, stage_names: dict[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = options
        self.fields["action_type"].choices = [  # type: ignore[attr-defined]
            (a.value, ACTION_LABELS[a]) for a in options.lists.available
        ]
        action = self.selected_action()
        stages = options.lists.for_action(action) if action else ()
        self.fields["sales_cycle_stage"].choices = [  # type: ignore[attr-defined]
            (s, f"{s} {stage_names.get(s, '')}".strip()) for s in stages
        ]
        if action not in (ActionType.SKIP, ActionType.JUMP):
            self.fields["sales_cycle_stage"].disabled = True

    def selected_action(self) -> ActionType | None:
        """The chosen action: the bound value when it is offered, else the engine's default."""
        value = self.data.get("action_type") if self.is_bound else self.initial.get("action_type")
        available = self.options.lists.available
        for action in available:
            if action.value == value:
                return action
        return self.options.default_action_type


# BC's one-word options of the wizard's Action Type (the glossary's action_type.*: Volgende, Overslaan, Springen …).
ACTION_LABELS: dict[ActionType, Any] = {
    ActionType.FIRST: _("First"),
    ActionType.NEXT: _("Next"),
    ActionType.PREVIOUS: _("Previous"),
    ActionType.SKIP: _("Skip"),
    ActionType.UPDATE: _("Update"),
    ActionType.JUMP: _("Jump"),
}


class CloseOpportunityForm(forms.Form):
    """The Close Opportunity wizard (spec §4.8): close codes filtered by the chosen type."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=model_choices(CloseType), widget=forms.RadioSelect)
    close_opportunity_code = forms.ChoiceField(label=_("Close Opportunity Code"), required=False)
    date_closed = _date(_("Closing Date"))
    sales_value = _amount(_("Sales (LCY)"))
    cancel_old_tasks = forms.BooleanField(label=_("Cancel Existing Open Tasks"), required=False, initial=True)

    def __init__(self, *args: Any, from_quote: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        outcome = (self.data.get("outcome") if self.is_bound else self.initial.get("outcome")) or CloseType.WON
        codes = [(c.code, str(c)) for c in CloseOpportunityCode.objects.filter(type=outcome).order_by("code")]
        field = self.fields["close_opportunity_code"]
        field.choices = codes if len(codes) == 1 else BLANK + codes  # type: ignore[attr-defined]
        if len(codes) == 1:
            field.initial = codes[0][0]
        self.outcome_value = outcome
        # Sales (LCY) is the Won value: not asked for Lost, and not editable when the linked quote's amount is used
        # (spec §4.8.2, D11); a disabled field takes its initial value, whatever is posted.
        self.sales_value_from_quote = from_quote and outcome == CloseType.WON
        if outcome != CloseType.WON:
            self.initial["sales_value"] = None
        if outcome != CloseType.WON or self.sales_value_from_quote:
            self.fields["sales_value"].disabled = True


def _bc_filter(label: Any, example: Any = None) -> forms.CharField:
    """A key filter in Business Central's syntax (:mod:`salescycle.core.bcfilter`), with the syntax as its hint."""
    hint = _("Filter: * any characters, ? one character, A..B a range, A|B either.")
    help_text = format_lazy("{} {}", hint, example) if example is not None else hint
    return forms.CharField(label=label, max_length=bcfilter.MAX_LENGTH, required=False, help_text=help_text)


@with_lookups
class BatchDeleteForm(forms.Form):
    """Filters of the Delete Closed Opportunities batch job (spec §4.11.2) and the explicit confirmation."""

    no = _bc_filter(_("Opportunity No."), _("For example OP0000*, OP000001..OP000003 or OP000001|OP000003."))
    date_closed_from = _date(_("Closed from"))
    date_closed_to = _date(_("Closed to"))
    salesperson_code = _bc_filter(_("Salesperson Code"))
    campaign_no = _bc_filter(_("Campaign No."))
    contact_no = _bc_filter(_("Contact No."))
    sales_cycle_code = forms.ChoiceField(label=_("Sales Cycle Code"), required=False)
    confirm = forms.BooleanField(label=_("Yes, delete these closed opportunities and their entries"), required=False)

    # The text fields take Business Central's filter syntax (issue #15, L9); the service gets them as ``*_filter``.
    FILTER_FIELDS = ("no", "salesperson_code", "campaign_no", "contact_no")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sales_cycle_code"].choices = cycle_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """Refuse a filter expression the parser does not understand, under its field (nothing is read then)."""
        cleaned = super().clean() or {}
        for name in self.FILTER_FIELDS:
            try:
                bcfilter.parse(cleaned.get(name) or "", field=name)
            except bcfilter.FilterSyntaxError as error:
                self.add_error(name, error.message)
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The service's filter keyword arguments: the filter expressions as ``<field>_filter``."""
        return {
            f"{k}_filter" if k in self.FILTER_FIELDS else k: v
            for k, v in self.cleaned_data.items()
            if k != "confirm" and v
        }


@with_lookups
class StatisticsFilterForm(forms.Form):
    """Estimated close date range and status for the statistics pages."""

    date_from = _date(_("Est. close date from"))
    date_to = _date(_("Est. close date to"))
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", "—"), ("in_progress", _("In Progress")), ("won", _("Won")), ("lost", _("Lost"))],
    )
    contact = forms.CharField(label=_("Contact No."), max_length=20, required=False)


class SalesCycleForm(forms.ModelForm):
    """A sales cycle (its stages are the formset below)."""

    class Meta:
        model = SalesCycle
        fields = ["code", "description", "probability_calculation", "blocked"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields["code"].disabled = True


class StageForm(LineForm):
    """One stage of a sales cycle."""

    stage = forms.IntegerField(label=_("Stage"), min_value=1)
    description = forms.CharField(label=_("Description"), max_length=100, required=False)
    completed_pct = forms.DecimalField(label=_("Completed %"), min_value=0, max_value=100, required=False)
    chances_of_success_pct = forms.DecimalField(
        label=_("Chances of Success %"), min_value=0, max_value=100, required=False
    )
    activity = forms.ChoiceField(label=_("Activity Code"), required=False)
    quote_required = forms.BooleanField(label=_("Quote Required"), required=False)
    allow_skip = forms.BooleanField(label=_("Allow Skip"), required=False)
    date_formula = forms.CharField(label=_("Date Formula"), max_length=32, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity"].choices = activity_choices()  # type: ignore[attr-defined]


def activity_choices() -> list[tuple[str, Any]]:
    """Activities as select choices (one query per formset row; setup pages only)."""
    return BLANK + list(Activity.objects.order_by("code").values_list("code", "code"))


StageFormSet = forms.formset_factory(StageForm, formset=LineFormSet, extra=2, can_delete=True)


class CloseCodeForm(forms.ModelForm):
    """A close opportunity code."""

    class Meta:
        model = CloseOpportunityCode
        fields = ["code", "description", "type"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields["code"].disabled = True


# The number series of D20 as people name them (the stored descriptions are the installer's English).
SERIES_LABELS: dict[str, Any] = {
    "opportunity": _("Opportunities"),
    "contact": _("Contacts"),
    "quote": _("Sales Quotes"),
    "order": _("Sales Orders"),
    "posted_invoice": _("Posted Invoices"),
    "task": _("Tasks"),
    "customer": _("Customers"),
    "segment": _("Segments"),
    "campaign": _("Campaigns"),
}


class MarketingSetupForm(forms.Form):
    """Marketing Setup (spec §2.1, D20): the default sales cycle (an unblocked one), the Bus. Rel. Code for Customers
    and one prefix per number series."""

    default_sales_cycle_code = forms.ChoiceField(label=capfirst(_("default sales cycle code")), required=False)
    bus_rel_code_for_customers = forms.CharField(
        label=capfirst(_("bus. rel. code for customers")), required=False, max_length=10
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, setup: MarketingSetup, series: list[NumberSeries], **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "default_sales_cycle_code": setup.default_sales_cycle_id or "",
                "bus_rel_code_for_customers": setup.bus_rel_code_for_customers,
                "version": setup.version,
                **{f"prefix_{s.code}": s.prefix for s in series},
            },
        )
        super().__init__(*args, **kwargs)
        cycles = SalesCycle.objects.filter(Q(blocked=False) | Q(code=setup.default_sales_cycle_id or ""))
        self.fields["default_sales_cycle_code"].choices = BLANK + [  # type: ignore[attr-defined]
            (c.code, str(c)) for c in cycles.order_by("code")
        ]
        self.series = series
        for s in series:
            name = SERIES_LABELS.get(s.code) or s.description or s.code
            self.fields[f"prefix_{s.code}"] = forms.CharField(label=f"{name}: {capfirst(_('prefix'))}", max_length=10)

    def number_series(self) -> dict[str, str]:
        """Series code → prefix, as the setup service takes them."""
        return {s.code: self.cleaned_data[f"prefix_{s.code}"] for s in self.series}


@with_lookups
class BulkActionForm(forms.Form):
    """The Opportunity List's bulk-action bar (issue #15): the selected numbers (the rows' ``no`` checkboxes), the
    action (the button pressed) and its inputs; the new salesperson is a type-ahead lookup (a select of every
    salesperson cost 34 ms of rendering per list page at 500 salespeople). Shape only: the bulk services check the
    selection (1 to 1,000), the salesperson (unknown, blocked, outside the user's team), the close code and every
    opportunity."""

    REASSIGN, CLOSE, EXPORT_CSV, EXPORT_XLSX = "reassign", "close", "export_csv", "export_xlsx"

    no = forms.MultipleChoiceField(required=False, widget=forms.MultipleHiddenInput)
    action = forms.ChoiceField(
        choices=[(REASSIGN, REASSIGN), (CLOSE, CLOSE), (EXPORT_CSV, EXPORT_CSV), (EXPORT_XLSX, EXPORT_XLSX)],
        widget=forms.HiddenInput,
    )
    salesperson_code = forms.CharField(label=_("New salesperson"), max_length=20, required=False)
    update_open_tasks = forms.BooleanField(label=_("Also change their open tasks"), required=False)
    close_opportunity_code = forms.ChoiceField(label=_("Lost close code"), required=False)
    date_closed = _date(_("Closing Date"))
    cancel_old_tasks = forms.BooleanField(label=_("Cancel Existing Open Tasks"), required=False, initial=True)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)
    # The list's query string, to go back to the same list (appended to the list's own path, never a redirect target)
    query = forms.CharField(required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, may_change: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "bulk_%s")  # beside the list's filter form on one page: ids of its own
        super().__init__(*args, **kwargs)
        self.may_change = may_change  # offer Reassign and Close (a Viewer may only export)
        # Any text may be posted as a number: the services refuse the unknown and the invisible ones one by one.
        self.fields["no"].valid_value = lambda value: True  # type: ignore[attr-defined]
        codes = (
            CloseOpportunityCode.objects.filter(type=CloseType.LOST).order_by("code").values_list("code", "description")
        )
        self.fields["close_opportunity_code"].choices = BLANK + [  # type: ignore[attr-defined]
            (code, f"{code} {description}") for code, description in codes
        ]

    def clean(self) -> dict[str, Any]:
        """The input the pressed action needs: a salesperson to reassign, a close code to close."""
        data = super().clean() or {}
        needed = {self.REASSIGN: "salesperson_code", self.CLOSE: "close_opportunity_code"}.get(data.get("action", ""))
        if needed and not data.get(needed):
            self.add_error(needed, _("Required."))
        return data
