"""The settings panel: an ipywidgets form built from the settings table itself.

Every field is derived from :data:`wandb_jupyter.settings.SETTINGS` (no second
list to keep in sync): its widget from the parser, its value and source from
the resolved settings, its validation from the same parser the environment
goes through. Start runs ``init()`` with the edited values on top, Save
writes them to the workspace settings file.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..common._errors import WandbJupyterError
from ..common._secrets import mask, scrub
from ..settings import GROUPS, SETTINGS, Origin, Setting, resolve, workspace_file, write_file
from ..settings._origin import parse

__all__ = ["SettingsPanel", "settings_panel"]

_PANEL_ORIGIN = Origin(kind="init", detail="settings panel")


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ",".join(str(item) for item in value)
    return str(value)


class _Field:
    """One setting's row: input widget, source, help and error message.

    A secret (the API key) never sits in its widget: widget state is synced to the front end and
    saved into the notebook (nbclient, JupyterLab's "save widget state"). The field shows the
    resolved key masked as a placeholder; a key typed in is moved into ``entered_secret`` (kernel
    memory only) and the widget is emptied at once.
    """

    def __init__(self, setting: Setting, on_change: Any) -> None:
        import ipywidgets as widgets

        self.setting = setting
        options = getattr(setting.parse, "options", None)
        layout = widgets.Layout(width="460px")
        if self.boolean:
            self.input = widgets.Checkbox(indent=False, description="", layout=widgets.Layout(width="auto"))
        elif options:
            self.input = widgets.Dropdown(options=list(options), layout=layout)
        elif setting.secret:  # synced on Enter or leaving the field, not per keystroke: then taken out
            self.input = widgets.Password(layout=layout, continuous_update=False)
        else:
            self.input = widgets.Text(layout=layout, continuous_update=True)
        if self.boolean:  # a checkbox's description sits right of it: put the name in the name column instead
            name = widgets.Label(setting.name, layout=widgets.Layout(width="128px"))
            row = widgets.HBox([name, self.input])
        else:
            self.input.description = setting.name
            self.input.style = {"description_width": "120px"}
            row = widgets.HBox([self.input])
        self.source = widgets.HTML()
        self.error = widgets.HTML()
        self.help = widgets.HTML(
            f"<span style='opacity:.7;font-size:90%'>{escape(setting.help)} "
            f"(<code>{escape(setting.env_var)}</code>)</span>"
        )
        row.children += (self.source,)
        self.box = widgets.VBox([row, self.help, self.error])
        self.resolved_text: Any = None
        self.entered_secret: str | None = None
        self.input.observe(lambda change: self._value_changed(on_change), names="value")

    def _value_changed(self, on_change: Any) -> None:
        if self.setting.secret:
            if not self.input.value:  # our own emptying below, or nothing typed
                return
            self.entered_secret = self.input.value
            self.input.value = ""
            self.input.placeholder = f"{mask(self.entered_secret)} (new)"
        on_change(self)

    @property
    def boolean(self) -> bool:
        return self.setting.parse.__name__ == "boolean"

    @property
    def value(self) -> Any:
        """What the field holds: the widget's value, or for a secret the key typed in (None: none typed)."""
        return self.entered_secret if self.setting.secret else self.input.value

    def show(self, value: Any, origin: Origin) -> None:
        if self.setting.secret:
            self.entered_secret = None
            self.resolved_text = None
            self.input.placeholder = mask(_as_text(value)) or "not set"
        else:
            self.resolved_text = bool(value) if self.boolean else _as_text(value)
            self.input.value = self.resolved_text
        self.source.value = f"<span style='opacity:.75'>{escape(str(origin))}</span>"
        self.error.value = ""

    @property
    def edited(self) -> bool:
        return self.value != self.resolved_text

    def check(self) -> str | None:
        """The parsed value's error message, or None when the value is acceptable."""
        raw = self.value
        if raw == "" or raw is None:
            self.error.value = ""
            return None
        try:
            parse(self.setting, raw, Origin(kind="init", detail=f"{self.setting.name} (settings panel)"))
        except WandbJupyterError as error:
            text = scrub(str(error), [str(raw)]) if self.setting.secret else str(error)
            self.error.value = f"<span style='color:#c62828'>{escape(text)}</span>"
            return text
        self.error.value = ""
        return None


class SettingsPanel:
    """The panel; ``panel.widget`` is the ipywidgets tree, ``display(panel)`` shows it."""

    def __init__(self) -> None:
        import ipywidgets as widgets

        from ..core import _init

        self.fields = {setting.name: _Field(setting, self._changed) for setting in SETTINGS}
        sections = [widgets.VBox([self.fields[s.name].box for s in SETTINGS if s.group == group]) for group in GROUPS]
        self.sections = widgets.Accordion(children=sections, titles=tuple(GROUPS), selected_index=0)
        fit = {"width": "auto", "min_width": "max-content"}
        self.start = widgets.Button(
            description="Start run", button_style="primary", icon="play", layout=widgets.Layout(**fit)
        )
        self.finish = widgets.Button(description="Finish run", icon="stop", layout=widgets.Layout(**fit))
        self.save = widgets.Button(description="Save as workspace defaults", icon="save", layout=widgets.Layout(**fit))
        self.include_key = widgets.Checkbox(
            description="include the API key", indent=False, value=False, layout=widgets.Layout(width="auto")
        )
        self.reset = widgets.Button(description="Reset to resolved", icon="undo", layout=widgets.Layout(**fit))
        self.status = widgets.HTML()
        self.message = widgets.HTML()
        self.start.on_click(lambda _: self.start_run())
        self.finish.on_click(lambda _: self.finish_run())
        self.save.on_click(lambda _: self.save_defaults())
        self.reset.on_click(lambda _: self.reset_fields())
        buttons = widgets.HBox(
            [self.start, self.finish, self.reset, self.save, self.include_key],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        self.widget = widgets.VBox(
            [widgets.HTML("<b>wandb-jupyter settings</b>"), self.status, self.sections, buttons, self.message]
        )
        self.resolved: Any = None
        self.reset_fields()
        _init.add_run_listener(self._run_changed)
        self._show_run(_init.current_run())
        self._watch_cells()

    def _watch_cells(self) -> None:
        from ..common._ipython import current_shell

        shell = current_shell()
        if shell is not None:
            shell.events.register("post_run_cell", self._after_cell)

    def _after_cell(self, *_: Any) -> None:
        try:
            self.refresh()
        except Exception:  # a hook must never leave the kernel unusable
            pass

    # values ---------------------------------------------------------------
    def reset_fields(self) -> None:
        """Show the resolved value and source of every setting, discarding edits."""
        try:
            self._show_settings(resolve())
        except WandbJupyterError as error:
            self.message.value = f"<span style='color:#c62828'>{escape(str(error))}</span>"
            return
        self.message.value = ""

    def _show_settings(self, resolved: Any) -> None:
        self.resolved = resolved
        for setting, value in resolved.items():
            self.fields[setting.name].show(value.value, value.origin)
        self._update_start()

    def edited_values(self) -> dict[str, Any]:
        return {name: field.value for name, field in self.fields.items() if field.edited}

    def errors(self) -> dict[str, str]:
        return {name: error for name, field in self.fields.items() if (error := field.check())}

    def _changed(self, field: _Field) -> None:
        field.check()
        self._update_start()

    def _update_start(self) -> None:
        self.start.disabled = bool(self.errors())

    # actions --------------------------------------------------------------
    def start_run(self) -> Any:
        """init() with the edited values on top of everything else."""
        from ..core import _init

        if self.errors():
            return None
        values = {name: (value if value != "" else None) for name, value in self.edited_values().items()}
        try:
            run = _init.init(settings=values)
        except WandbJupyterError as error:
            self.message.value = f"<span style='color:#c62828'>{escape(str(error))}</span>"
            return None
        self._show_settings(run.settings)  # what the run uses now, with the panel as the source
        self.message.value = ""
        return run

    def finish_run(self) -> None:
        from ..core import _init

        run = _init.current_run()
        if run is not None:
            run.finish()

    def save_defaults(self) -> str | None:
        """Write edited values (and those already there) to the workspace settings file."""
        if self.errors():
            return None
        path = workspace_file(self.resolved.dir)
        updates: dict[str, Any] = {}
        for name, field in self.fields.items():
            setting = field.setting
            if not setting.in_files or (setting.secret and not self.include_key.value):
                continue
            from_file = self.resolved.origin(name).kind == "workspace file"
            if field.edited or from_file:
                raw = field.value if field.edited or not setting.secret else getattr(self.resolved, name)
                updates[name] = None if raw in ("", None) else parse(setting, raw, _PANEL_ORIGIN).value
        write_file(path, updates)
        self.reset_fields()
        self.message.value = f"saved to <code>{escape(str(path))}</code>"
        return str(path)

    # run status -----------------------------------------------------------
    def _run_changed(self, event: str, run: Any) -> None:
        from ..core import _init

        self._show_run(_init.current_run())

    def _show_run(self, run: Any) -> None:
        if run is None or getattr(run, "disabled", False):
            self.status.value = "<span style='opacity:.75'>no active run</span>"
            self.finish.disabled = True
            return
        name = escape(run.name)
        link = f"<a href='{escape(run.url, quote=True)}' target='_blank'>{name}</a>" if run.url else f"<b>{name}</b>"
        state = "finished" if run.finished else "running"
        self.status.value = f"run {link} · {state} · {run.step} steps · {escape(run.mode)}"
        self.finish.disabled = run.finished

    def refresh(self) -> None:
        """Re-read the active run's step count (called after each cell)."""
        from ..core import _init

        self._show_run(_init.current_run())

    # display --------------------------------------------------------------
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """The widget where a front end renders widgets; the settings as text everywhere else."""
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/plain"] = self.resolved.explain() if self.resolved is not None else "wandb-jupyter settings"
        return bundle


def settings_panel() -> SettingsPanel:
    """Create the settings panel; show it with ``display()`` or as a cell's last value."""
    return SettingsPanel()
