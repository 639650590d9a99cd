"""One description of the machine a benchmark ran on, for every benchmark's printed and saved results."""

from __future__ import annotations

import os
import platform


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo``, else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def describe() -> str:
    """``N cores (CPU model), M GiB RAM, GPU or no GPU, Python x.y.z``: torch is asked about a GPU only when a
    benchmark has already imported it (importing it here would cost seconds for benchmarks that never use it)."""
    import sys

    torch = sys.modules.get("torch")
    gpu = torch.cuda.get_device_name(0) if torch is not None and torch.cuda.is_available() else "no GPU"
    return (
        f"{os.cpu_count()} cores ({cpu_model()}), {memory_gib():.0f} GiB RAM, {gpu}, Python {platform.python_version()}"
    )


def load_average() -> str:
    """The 1-minute load average: other work on the machine makes timings noisy."""
    return f"load average {os.getloadavg()[0]:.1f}"
