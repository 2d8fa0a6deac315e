"""Shared fixtures: run each behavioural test on both kernels.

``run_on`` runs a main function on the kernel under test and returns its
result.  Exact event order is asserted only on the simulated kernel (use the
``sim_only`` marker or check ``kernel == "sim"``); on trio, tests assert sets
and causality.
"""
import pytest

import labrt


@pytest.fixture(params=["sim", "trio"])
def kernel(request):
    """The name of the kernel under test."""
    return request.param


@pytest.fixture
def run_on(kernel):
    """Run ``main(*args)`` as a process on the kernel under test."""
    def run(main, *args, **kw):
        kw.setdefault("reports", None)
        return labrt.run(main, *args, kernel=kernel, **kw)
    return run


def pytest_configure(config):
    config.addinivalue_line("markers", "erlang: needs a real Erlang (erl) on PATH")
