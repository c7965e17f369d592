"""GPU metrics through NVML, exercised with a stand-in libnvidia-ml.so.1 compiled here.

This machine has no GPU; the stand-in implements the handful of NVML entry
points we call, with the real C signatures, so the ctypes path (structures,
byref arguments, error codes) runs for real in a child process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import pytest

FAKE_NVML = textwrap.dedent(
    """
    typedef struct { unsigned int gpu, memory; } util_t;
    typedef struct { unsigned long long total, free, used; } mem_t;
    int nvmlInit_v2(void) { return 0; }
    int nvmlShutdown(void) { return 0; }
    int nvmlDeviceGetCount_v2(unsigned int *n) { *n = 2; return 0; }
    int nvmlDeviceGetHandleByIndex_v2(unsigned int i, void **h) { *h = (void *)(long)(i + 1); return 0; }
    int nvmlDeviceGetName(void *h, char *name, unsigned int len) { name[0] = 'G'; name[1] = 0; return 0; }
    int nvmlDeviceGetUtilizationRates(void *h, util_t *u) { u->gpu = 40 + (long)h; u->memory = 7; return 0; }
    int nvmlDeviceGetMemoryInfo(void *h, mem_t *m) { m->total = 1000; m->used = 250; m->free = 750; return 0; }
    int nvmlDeviceGetTemperature(void *h, int sensor, unsigned int *t) { *t = 61; return 0; }
    int nvmlDeviceGetPowerUsage(void *h, unsigned int *mw) { return (long)h == 2 ? 3 : (*mw = 123456, 0); }
    """
)

CHILD = textwrap.dedent(
    """
    import json, time, pathlib
    import wandb_jupyter as w
    from wandb_jupyter.core._nvml import open_nvml
    nvml = open_nvml()
    print(json.dumps({"count": nvml.device_count, "names": nvml.names(), "sample": nvml.sample()}))
    run = w.init(mode="offline")
    time.sleep(0.4)
    run.finish()
    events = pathlib.Path(run.dir, "wandb-events.jsonl").read_text().splitlines()
    print(json.dumps(json.loads(events[0])))
    """
)


@pytest.fixture
def fake_nvml_dir(tmp_path):
    if shutil.which("cc") is None:
        pytest.skip("no C compiler")
    source = tmp_path / "nvml.c"
    source.write_text(FAKE_NVML)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(tmp_path / "libnvidia-ml.so.1"), str(source)], check=True)
    return tmp_path


def test_gpu_metrics_are_read_through_nvml(fake_nvml_dir, env_for_subprocess) -> None:
    env = {
        **env_for_subprocess,
        "LD_LIBRARY_PATH": str(fake_nvml_dir),
        "WANDB_X_STATS_SAMPLING_INTERVAL": "0.1",
        "WANDB_SILENT": "true",
    }
    out = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=fake_nvml_dir, env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    direct, event = json.loads(out[0]), json.loads(out[1])
    assert direct["count"] == 2 and direct["names"] == ["G", "G"]
    sample = direct["sample"]
    assert sample["system.gpu.0.gpu"] == 41 and sample["system.gpu.1.gpu"] == 42
    assert sample["system.gpu.0.memoryAllocated"] == 25.0 and sample["system.gpu.0.memoryAllocatedBytes"] == 250
    assert sample["system.gpu.0.temp"] == 61 and sample["system.gpu.0.powerWatts"] == 123.456
    assert "system.gpu.1.powerWatts" not in sample, "a failing reading is skipped, not invented"
    assert event["system.gpu.0.gpu"] == 41 and "system.cpu" in event


def test_no_nvml_means_no_gpu_keys(isolated) -> None:
    from wandb_jupyter.core._nvml import open_nvml
    from wandb_jupyter.core._system import sample_once

    if open_nvml() is not None:
        pytest.skip("a real GPU is present")
    sample = sample_once(isolated)
    assert not any(key.startswith("system.gpu") for key in sample)
    assert sample["system.memory"] > 0
