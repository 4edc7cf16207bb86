# Copyright (c) gala-mm contributors. All rights reserved.
"""Config typos: an unknown keyword argument names its closest known one."""
import difflib
import functools
import inspect
from typing import Optional, Set

_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD,
          inspect.Parameter.KEYWORD_ONLY)


def known_arguments(cls: type) -> Optional[Set[str]]:
    """Keyword arguments ``cls(...)`` accepts, following ``**kwargs`` up the
    MRO and into ``cls.forwarded_arguments()`` (the arguments of the class
    its ``**kwargs`` go to); None when some ``__init__`` cannot be
    inspected."""
    names: Set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        names |= {p.name for p in params if p.kind in _NAMED}
        if not any(p.kind == inspect.Parameter.VAR_KEYWORD for p in params):
            break
    names.discard('self')
    forwarded = getattr(cls, 'forwarded_arguments', None)
    if forwarded is not None:  # **kwargs handed to another class
        more = forwarded()
        if more is None:
            return None
        names |= more
    return names


def suggest_typos(cls: type) -> type:
    """Class decorator: an unknown keyword argument (a config typo such as
    ``lamda_pos``) raises one ``TypeError`` naming the nearest valid one,
    instead of Python's bare message from deep inside a parent class."""
    init = cls.__init__

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        if type(self) is cls:
            known = known_arguments(cls)
            unknown = [k for k in kwargs if known is not None
                       and k not in known]
            if unknown:
                name = unknown[0]
                close = difflib.get_close_matches(name, sorted(known), n=1,
                                                  cutoff=0.6)
                hint = (f": did you mean '{close[0]}'?" if close else
                        f'; valid ones: {", ".join(sorted(known))}.')
                raise TypeError(f'{cls.__name__} got an unknown argument '
                                f"'{name}'{hint}")
        init(self, *args, **kwargs)

    cls.__init__ = __init__
    return cls


__all__ = ['known_arguments', 'suggest_typos']
