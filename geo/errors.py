"""The package's error hierarchy: one root, subclasses that also inherit a builtin."""

from __future__ import annotations


class GeoError(Exception):
    """Root of every error this package raises on purpose."""


class InputError(GeoError, ValueError):
    """An input (text, file, JSON line) cannot be used; the message names it."""


class GazetteerError(GeoError, RuntimeError):
    """The gazetteer index is missing, stale or cannot be built."""


class GeocoderError(GeoError, RuntimeError):
    """An online geocoder failed; the offline answer stands."""


class WorkerError(GeoError, RuntimeError):
    """Work sent to a Dask worker failed there; the message is the worker's one-line reason."""
