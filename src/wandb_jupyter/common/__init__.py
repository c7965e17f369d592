"""The lowest layer: errors, the "wandb" logger, secret masking, file locks, YAML config files,
IPython and git probes, URLs and the package version. Standard library only; everyone may import it."""
