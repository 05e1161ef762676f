"""The model server as the library uses it: the same backends, hosts and reply cache as analyze, and
the same rule for a missing model (pull it with --pull, else say how)."""

from __future__ import annotations

from ..backends import ModelInfo, make_backend
from ..cache import ReplyCache
from ..calls import ModelCaller, pull_model
from ..errors import ModelNotFound
from ..progress import Progress
from .options import LibraryOptions


def connect_model(
    options: LibraryOptions, model: str, cache: ReplyCache | None, progress: Progress
) -> tuple[ModelCaller, ModelInfo]:
    """A caller for `model`, checked on the server (pulled first when missing and options.pull)."""
    o = options
    backend = make_backend(o.backend, o.host, o.timeout, o.api_key, o.more_hosts)
    try:
        info = backend.show(model)
    except ModelNotFound:
        if not o.pull:
            raise
        pull_model(backend, model, progress)
        info = backend.show(model)
    caller = ModelCaller(backend, cache)
    caller.set_digest(model, info.digest)
    return caller, info
