"""W&B 0.31's ``wandb.Settings`` field names, and what each means here.

User code passes W&B's names (``Settings(run_name=..., x_disable_stats=True,
init_timeout=120)``); ``Settings`` accepts every one of them. A field that applies
here becomes the setting of this package's table it names (:data:`APPLIES`, with
its value converted where W&B's meaning is inverted); ``reinit`` and ``code_dir``
are read by ``init()`` (:data:`INIT_FIELDS`); every other field is accepted and
ignored, with one warning that names it. Older names are accepted too: W&B's
former private ``_name`` (now ``x_name``) and fields it dropped (``start_method``).
Anything else is still a typo and an error. tests/settings checks this list
against the installed ``wandb.Settings``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["WANDB_FIELDS", "APPLIES", "INIT_FIELDS", "LEGACY_FIELDS", "wandb_name"]


def _inverted(value: Any) -> Any:
    return (not value) if isinstance(value, bool) else value


#: W&B field -> (setting of our table, conversion of the value).
APPLIES: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
    "entity": ("entity", None),
    "project": ("project", None),
    "username": ("username", None),
    "email": ("user_email", None),
    "run_name": ("name", None),
    "run_notes": ("notes", None),
    "run_tags": ("tags", None),
    "run_group": ("run_group", None),
    "run_job_type": ("job_type", None),
    "run_id": ("run_id", None),
    "sweep_id": ("sweep_id", None),
    "sweep_param_path": ("sweep_param_path", None),
    "mode": ("mode", None),
    "base_url": ("base_url", None),
    "api_key": ("api_key", None),
    "anonymous": ("anonymous", None),
    "resume": ("resume", None),
    "console": ("console", None),
    "disable_code": ("disable_code", None),
    "save_code": ("disable_code", _inverted),
    "notebook_name": ("notebook_name", None),
    "ignore_globs": ("ignore_globs", None),
    "config_paths": ("config_paths", None),
    "root_dir": ("dir", None),
    "silent": ("silent", None),
    "host": ("host", None),
    "docker": ("docker", None),
    "x_stats_sampling_interval": ("stats_interval", None),
    "x_disable_stats": ("disable_stats", None),
    "init_timeout": ("init_timeout", None),
}

#: W&B fields that are ``init()`` arguments rather than settings here.
INIT_FIELDS = frozenset({"reinit", "code_dir"})

#: Fields of earlier W&B versions that programs still pass; accepted and ignored.
LEGACY_FIELDS = frozenset(
    {
        "start_method",
        "x_disable_service",
        "x_require_legacy_service",
        "x_require_core",
        "x_disable_setproctitle",
        "x_async_upload_concurrency_limit",
        "x_service_wait",
        "x_disable_viewer",
        "problem",
        "x_cuda",
    }
)

#: Every field of W&B 0.31's ``wandb.Settings`` (``wandb.Settings.model_fields``).
WANDB_FIELDS = frozenset(
    [
        "allow_media_symlink",
        "allow_offline_artifacts",
        "allow_val_change",
        "anonymous",
        "api_key",
        "app_url_override",
        "azure_account_url_to_access_key",
        "base_url",
        "capture_loggers",
        "code_dir",
        "config_paths",
        "console",
        "console_chunk_max_bytes",
        "console_chunk_max_seconds",
        "console_multipart",
        "credentials_file",
        "disable_code",
        "disable_git",
        "disable_git_fork_point",
        "disable_job_creation",
        "docker",
        "email",
        "entity",
        "finish_timeout",
        "finish_timeout_raises",
        "force",
        "fork_from",
        "git_commit",
        "git_remote",
        "git_remote_url",
        "git_root",
        "heartbeat_seconds",
        "host",
        "http_proxy",
        "https_proxy",
        "identity_token_file",
        "ignore_globs",
        "init_timeout",
        "insecure_disable_ssl",
        "job_name",
        "job_source",
        "label_disable",
        "launch",
        "launch_config_path",
        "login_timeout",
        "max_end_of_run_history_metrics",
        "max_end_of_run_summary_metrics",
        "mode",
        "notebook_name",
        "organization",
        "program",
        "program_abspath",
        "program_relpath",
        "project",
        "quiet",
        "reinit",
        "relogin",
        "resume",
        "resume_from",
        "resumed",
        "root_dir",
        "run_group",
        "run_id",
        "run_job_type",
        "run_name",
        "run_notes",
        "run_tags",
        "sagemaker_disable",
        "save_code",
        "settings_system",
        "show_colors",
        "show_emoji",
        "show_errors",
        "show_info",
        "show_warnings",
        "silent",
        "stop_fn",
        "stop_on_fatal_error",
        "strict",
        "summary_timeout",
        "summary_warnings",
        "sweep_id",
        "sweep_param_path",
        "symlink",
        "sync_tensorboard",
        "table_raise_on_max_row_limit_exceeded",
        "use_dot_wandb",
        "username",
        "x_cli_only_mode",
        "x_disable_machine_info",
        "x_disable_meta",
        "x_disable_stats",
        "x_disable_viewer",
        "x_executable",
        "x_extra_http_headers",
        "x_file_stream_max_bytes",
        "x_file_stream_max_line_bytes",
        "x_file_stream_no_gzip",
        "x_file_stream_retry_max",
        "x_file_stream_retry_wait_max_seconds",
        "x_file_stream_retry_wait_min_seconds",
        "x_file_stream_timeout_seconds",
        "x_file_stream_transmit_interval",
        "x_file_transfer_retry_max",
        "x_file_transfer_retry_wait_max_seconds",
        "x_file_transfer_retry_wait_min_seconds",
        "x_file_transfer_timeout_seconds",
        "x_files_dir",
        "x_flow_control_custom",
        "x_flow_control_disabled",
        "x_graphql_retry_max",
        "x_graphql_retry_wait_max_seconds",
        "x_graphql_retry_wait_min_seconds",
        "x_graphql_timeout_seconds",
        "x_history_value_encoding",
        "x_internal_check_process",
        "x_jupyter_name",
        "x_jupyter_path",
        "x_jupyter_root",
        "x_label",
        "x_live_policy_rate_limit",
        "x_live_policy_wait_time",
        "x_log_level",
        "x_network_buffer",
        "x_primary",
        "x_proxies",
        "x_runqueue_item_id",
        "x_save_requirements",
        "x_server_side_derived_summary",
        "x_service_transport",
        "x_service_wait",
        "x_skip_transaction_log",
        "x_start_time",
        "x_stats_buffer_size",
        "x_stats_coreweave_metadata_base_url",
        "x_stats_coreweave_metadata_endpoint",
        "x_stats_cpu_count",
        "x_stats_cpu_logical_count",
        "x_stats_dcgm_exporter",
        "x_stats_disk_paths",
        "x_stats_gpu_count",
        "x_stats_gpu_device_ids",
        "x_stats_gpu_type",
        "x_stats_neuron_monitor_config_path",
        "x_stats_no_cgroup",
        "x_stats_open_metrics_endpoints",
        "x_stats_open_metrics_filters",
        "x_stats_open_metrics_http_headers",
        "x_stats_pid",
        "x_stats_sampling_interval",
        "x_stats_self_usage",
        "x_stats_track_process_tree",
        "x_sync",
        "x_sync_dir_suffix",
        "x_transaction_log_flush_interval",
        "x_update_finish_state",
    ]
)


def wandb_name(name: str) -> str | None:
    """W&B's current name for ``name`` (``_disable_stats`` -> ``x_disable_stats``), or None if W&B has none."""
    modern = "x_" + name[1:] if name.startswith("_") and not name.startswith("__") else name
    if modern in WANDB_FIELDS or modern in LEGACY_FIELDS:
        return modern
    return None
