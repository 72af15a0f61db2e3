"""How a number is written in every table, claim and console line: one formatter."""


def number(value, spec: str = ".4g", none: str = "-") -> str:
    """A float formatted with ``spec``; an int whole; ``none`` for None; anything else as str."""
    if value is None:
        return none
    if isinstance(value, float):
        return format(value, spec)
    return str(value)


def per_epoch(values: dict[int, object], spec: str = ".3g", none: str = "never") -> str:
    """'23 / 41 / 118 (epochs 1 / 10 / 25)'."""
    return (f"{' / '.join(number(v, spec, none) for v in values.values())} "
            f"(epochs {' / '.join(map(str, values))})")


def lookup(record, path: tuple[str, ...]):
    """``record[path[0]][path[1]]...`` through dicts and records, or None where it is missing."""
    for key in path:
        record = record.get(key) if isinstance(record, dict) else getattr(record, key, None)
        if record is None:
            return None
    return record
