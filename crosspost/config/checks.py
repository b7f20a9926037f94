"""Config problems beyond types: misspelt keys and field names, template syntax, and keys
that must agree with each other (a target's account, a site's adapter, time zones).

Every check works on raw, possibly invalid, data, so all problems come in one report.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from crosspost.config.community import Masterlist, PromptTable, Rules, SeriesNavigation
from crosspost.config.settings import Account, Config, Settings, TagRules, Target, WordBand
from crosspost.config.sites import adapter_settings_model, installed_sites
from crosspost.errors import ConfigProblem
from crosspost.story import fields as known_fields


def _known_keys() -> list[str]:
    names: set[str] = set()
    for model in (Config, Settings, Account, Target, TagRules, Rules, WordBand, PromptTable,
                  Masterlist, SeriesNavigation):
        names.update(model.model_fields)
    return sorted(names)


def _home_of(name: str) -> str:
    """Where a key lives, for a key written in the wrong table."""
    homes: list[tuple[str, type[BaseModel]]] = [
        ("[settings]", Settings), ("[accounts.NAME]", Account),
        ("[targets.NAME] or [defaults]", Target), ("a target's or [defaults]' tags", TagRules),
        ("[targets.NAME.rules]", Rules), ("a tags.word_count_bands entry", WordBand),
        ("[tables.NAME]", PromptTable), ("[masterlists.NAME]", Masterlist),
        ("[series]", SeriesNavigation)]
    found = [where for where, model in homes if name in model.model_fields]
    return " / ".join(found) or "the top level"


def unknown_key(name: str, here: Iterable[str] = ()) -> str:
    """The message for an unknown key ``name``: "did you mean" one of the keys ``here`` (or
    any key crosspost knows), or where a real key written in the wrong table belongs."""
    here = list(here)
    hits = difflib.get_close_matches(name, here, n=1, cutoff=0.7) if here else []
    if not hits:
        hits = difflib.get_close_matches(name, _known_keys(), n=1, cutoff=0.7)
        if hits and hits[0] == name:  # a real key, in the wrong table
            return f"{name!r} is not a key here; it belongs under {_home_of(name)}"
    return "unknown key" + (f" (did you mean {hits[0]!r}?)" if hits else "")


def validation_problems(exc: ValidationError) -> list[ConfigProblem]:
    """pydantic's errors as key paths and messages, with "did you mean" for unknown keys."""
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = unknown_key(str(err["loc"][-1]))
        var = "CROSSPOST_" + "__".join(str(p) for p in err["loc"]).upper()
        if var in os.environ:
            msg += f" (from environment variable {var})"
        out.append(ConfigProblem(loc, msg))
    return out


_TEMPLATE_KEYS = ("subject", "header_line", "footer", "cut_text", "adult_reason")


def _field_name_problem(name: str) -> str | None:
    """Field names may be unknown (stories have their own fields), but not misspelt."""
    if known_fields.lookup(name) is not None:
        return None
    hint = known_fields.suggest(name)
    return f"unknown field {name!r} (did you mean {hint!r}?)" if hint else None


#: names a template may use besides story fields: computed values (render/header.py) and
#: the per-line/per-tag ones (`header_line`: label, value, key; tag templates: value)
_TEMPLATE_NAMES = frozenset({"word_count", "target", "community", "journal", "username",
                             "label", "value", "key"})


def _layer_problems(prefix: str, layer: dict[str, Any]) -> list[ConfigProblem]:
    from crosspost.story.template import check, names_in, placeholder_key

    out: list[ConfigProblem] = []

    def template(key: str, value: Any) -> None:
        if not isinstance(value, str):
            return
        if err := check(value):
            out.append(ConfigProblem(key, err))
            return
        for name in names_in(value):
            if placeholder_key(name) not in _TEMPLATE_NAMES and (
                    msg := _field_name_problem(name)):
                out.append(ConfigProblem(key, msg.replace(f"{name!r}", f"{{{name}}}", 1)))

    def names(key: str, value: Any) -> None:
        for name in value if isinstance(value, dict | list) else ():
            if isinstance(name, str) and name.strip() != "*" and (
                    msg := _field_name_problem(name)):
                out.append(ConfigProblem(key, msg))

    for key in _TEMPLATE_KEYS:
        template(f"{prefix}.{key}", layer.get(key))
    names(f"{prefix}.header_fields", layer.get("header_fields"))
    names(f"{prefix}.header_labels", layer.get("header_labels"))
    rules = layer.get("rules")
    if isinstance(rules, dict):
        names(f"{prefix}.rules.required_fields", rules.get("required_fields"))
    tags = layer.get("tags")
    if isinstance(tags, dict):
        fields = tags.get("fields")
        names(f"{prefix}.tags.fields", fields)
        names(f"{prefix}.tags.split", tags.get("split"))
        if isinstance(fields, dict):
            for name, spec in fields.items():
                for tpl in [spec] if isinstance(spec, str) else spec if isinstance(
                        spec, list) else ():
                    template(f"{prefix}.tags.fields.{name}", tpl)
        constant = tags.get("constant")
        for i, tpl in enumerate(constant if isinstance(constant, list) else ()):
            template(f"{prefix}.tags.constant.{i}", tpl)
    return out


def semantic_problems(data: dict[str, Any]) -> list[ConfigProblem]:
    """Problems pydantic cannot see: template syntax and misspelt field names, each with
    its key path. Works on raw (possibly invalid) data, so they are reported together with
    type errors."""
    out: list[ConfigProblem] = []
    if isinstance(data.get("defaults"), dict):
        out += _layer_problems("defaults", data["defaults"])
    targets = data.get("targets")
    for name, layer in targets.items() if isinstance(targets, dict) else ():
        if isinstance(layer, dict):
            out += _layer_problems(f"targets.{name}", layer)
    lists = data.get("masterlists")
    for name, ml in lists.items() if isinstance(lists, dict) else ():
        if isinstance(ml, dict):
            out += _masterlist_problems(f"masterlists.{name}", ml)
    series = data.get("series")
    nav = series.get("navigation") if isinstance(series, dict) else None
    if isinstance(nav, str):
        from crosspost.story.template import check, names_in, placeholder_key

        if err := check(nav):
            out.append(ConfigProblem("series.navigation", err))
        for name in [] if err else names_in(nav):
            if placeholder_key(name) not in _NAV_NAMES:
                out.append(ConfigProblem("series.navigation", f"unknown value {{{name}}} "
                                         f"(known: {', '.join(sorted(_NAV_NAMES))})"))
    return out


_NAV_NAMES = frozenset({"series", "part", "previous_url", "previous_title", "next_url",
                        "next_title", "index_url"})


def _masterlist_problems(prefix: str, ml: dict[str, Any]) -> list[ConfigProblem]:
    from crosspost.story.template import check, names_in, placeholder_key

    out = []
    for key in ("group_by", "order_by", "where"):
        value = ml.get(key)
        for name in value if isinstance(value, dict | list) else ():
            if isinstance(name, str) and (msg := _field_name_problem(name)):
                out.append(ConfigProblem(f"{prefix}.{key}", msg))
    line = ml.get("line")
    if isinstance(line, str):
        if err := check(line):
            out.append(ConfigProblem(f"{prefix}.line", err))
        else:
            for name in names_in(line):
                if placeholder_key(name) not in {"url", "word_count"} and (
                        msg := _field_name_problem(name)):
                    out.append(ConfigProblem(f"{prefix}.line",
                                             msg.replace(f"{name!r}", f"{{{name}}}", 1)))
    return out


def cross_check(data: dict[str, Any]) -> list[ConfigProblem]:
    """Problems between keys (unknown site, a target's missing account, time zones). Works
    on raw (possibly invalid) data too, so they come in the same report as type errors;
    values of the wrong type are left to pydantic's report."""
    def table(value: Any) -> dict[str, Any]:
        return value if isinstance(value, dict) else {}

    problems = []
    sites = sorted(installed_sites())
    accounts = {n: a for n, a in table(data.get("accounts")).items() if isinstance(a, dict)}
    for name, acct in accounts.items():
        site = acct.get("site", "dreamwidth")
        if not isinstance(site, str):
            continue
        if sites and site not in sites:
            hits = difflib.get_close_matches(site, sites, n=1, cutoff=0.6)
            hint = f"did you mean {hits[0]!r}? " if hits else ""
            problems.append(ConfigProblem(f"accounts.{name}.site",
                                          f"unknown site {site!r} ({hint}known: "
                                          f"{', '.join(sites)})"))
        else:
            if site == "lj" and not acct.get("server"):
                problems.append(ConfigProblem(f"accounts.{name}.server",
                                              "a generic LJ-code site needs its server URL"))
            problems += adapter_key_problems(name, acct, site)
    for name, tgt in table(data.get("targets")).items():
        account = table(tgt).get("account")
        if isinstance(account, str) and account not in accounts:
            known = ", ".join(sorted(accounts)) or "none defined"
            problems.append(ConfigProblem(f"targets.{name}.account",
                                          f"no account {account!r} (accounts: {known})"))
    targets = table(data.get("targets"))
    derived = [(f"tables.{n}", t) for n, t in table(data.get("tables")).items()] + [
        (f"masterlists.{n}", m) for n, m in table(data.get("masterlists")).items()]
    for key, tbl in derived:
        where = table(tbl).get("target")
        if isinstance(where, str) and where not in targets:
            known = ", ".join(sorted(targets)) or "none defined"
            problems.append(ConfigProblem(f"{key}.target",
                                          f"no target {where!r} (targets: {known})"))
        elif where is None and isinstance(tbl, dict) and not any(
                isinstance(t, dict) and not t.get("community") for t in targets.values()):
            problems.append(ConfigProblem(f"{key}.target",
                                          "no target is your own journal (a target with no "
                                          "community): name the target the table post goes "
                                          "to"))
    zones = [("settings.timezone", table(data.get("settings")).get("timezone"))] + [
        (f"accounts.{n}.timezone", a.get("timezone")) for n, a in accounts.items()]
    for zone_key, zone in zones:
        if zone and isinstance(zone, str):
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                problems.append(ConfigProblem(zone_key, f"unknown time zone {zone!r}"))
    return problems


def adapter_key_problems(name: str, acct: dict[str, Any], site: str) -> list[ConfigProblem]:
    """An account's keys beyond the common ones: each must be one of the keys its site's
    adapter declares (``Adapter.account_settings``), with a valid value; every required one
    must be there. Same messages as for crosspost's own keys."""
    model, load_error = adapter_settings_model(site)
    if load_error:
        return [ConfigProblem(f"accounts.{name}.site", load_error)]
    own = {k: v for k, v in acct.items() if k not in Account.model_fields}
    declared = model.model_fields if model is not None else {}
    problems = [ConfigProblem(f"accounts.{name}.{key}", unknown_key(key, [
        *declared, *Account.model_fields])) for key in own if key not in declared]
    if model is not None:
        try:
            model.model_validate({k: v for k, v in own.items() if k in declared})
        except ValidationError as exc:
            problems += [ConfigProblem(f"accounts.{name}.{p.key}", p.message)
                         for p in validation_problems(exc)]
    return problems
