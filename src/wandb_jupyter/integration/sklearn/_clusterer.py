"""Charts for clusterers: the elbow curve and silhouette coefficients, W&B's tables and presets."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.metrics import silhouette_samples, silhouette_score

from ...common._term import termlog
from ._checks import as_numpy, fitted, over_limit, present, right_kinds
from ._log import log_chart

__all__ = ["plot_clusterer", "plot_elbow_curve", "plot_silhouette"]

#: W&B leaves this many empty rows between two clusters' bars in the silhouette plot.
_SILHOUETTE_GAP = 10


def plot_clusterer(
    model: Any,
    X_train: Any,
    cluster_labels: Any,
    labels: Any = None,
    model_name: str = "Clusterer",
) -> None:
    """The elbow curve (k-means only) and the silhouette plot."""
    from sklearn.cluster import KMeans

    termlog(f"\nPlotting {model_name}.")
    if isinstance(model, KMeans):
        plot_elbow_curve(model, X_train)
        termlog("Logged elbow curve.")
        plot_silhouette(model, X_train, cluster_labels, labels=labels, kmeans=True)
    else:
        plot_silhouette(model, X_train, cluster_labels, kmeans=False)
    termlog("Logged silhouette plot.")


def plot_elbow_curve(
    clusterer: Any = None,
    X: Any = None,
    cluster_ranges: Any = None,
    n_jobs: int = 1,
    show_cluster_time: bool = True,
) -> None:
    """The clusterer's score refitted with each number of clusters (1, 3, 5, 7, 9 unless given), under ``elbow_curve``.

    ``n_jobs`` and ``show_cluster_time`` are accepted for W&B's signature; the fits run one after another.
    """
    if not hasattr(clusterer, "n_clusters"):
        termlog("n_clusters attribute not in classifier. Cannot plot elbow method.")
        return
    if not (present(clusterer=clusterer) and fitted(clusterer)):
        return
    ranges = range(1, 10, 2) if cluster_ranges is None else sorted(cluster_ranges)
    rows = [[n_clusters, *_score_with(clusterer, X, n_clusters)] for n_clusters in ranges]
    log_chart("elbow_curve", "wandb/elbow/v1", ["cluster_ranges", "errors", "clustering_time"], rows)


def _score_with(clusterer: Any, features: Any, n_clusters: int) -> tuple[float, float]:
    """|score| of a copy of ``clusterer`` fitted with ``n_clusters``, and the seconds the fit took."""
    start = time.time()
    copy = clone(clusterer)
    copy.n_clusters = n_clusters
    return abs(copy.fit(features).score(features)), time.time() - start


def plot_silhouette(
    clusterer: Any = None,
    X: Any = None,
    cluster_labels: Any = None,
    labels: Any = None,
    metric: str = "euclidean",
    kmeans: bool = True,
) -> None:
    """Each sample's silhouette coefficient, sorted within its cluster, with the first two features and the
    k-means centers, under ``silhouette_plot`` (W&B's table, row for row)."""
    if not (present(clusterer=clusterer) and right_kinds(clusterer=clusterer) and fitted(clusterer)):
        return
    features = as_numpy(X)
    assigned = np.asarray(cluster_labels)
    average = silhouette_score(features, assigned, metric=metric)
    per_sample = silhouette_samples(features, assigned, metric=metric)
    bar_y, bar_x, bar_cluster = [], [], []
    lower = _SILHOUETTE_GAP
    for cluster in range(len(np.unique(assigned))):
        values = np.sort(per_sample[assigned == cluster])
        for offset, value in enumerate(values):
            bar_y.append(lower + offset)
            bar_x.append(value)
            bar_cluster.append(cluster)
            if over_limit(len(bar_y), "silhouette"):
                break
        lower += len(values) + _SILHOUETTE_GAP
    if kmeans:
        centers = clusterer.cluster_centers_
        center_x, center_y = centers[:, 0], centers[:, 1]
    else:
        center_x = center_y = [None] * len(bar_cluster)
    rows = [
        [
            features[i, 0],
            features[i, 1],
            assigned[i],
            center_x[assigned[i]],
            center_y[assigned[i]],
            bar_y[i],
            0,
            bar_x[i],
            bar_cluster[i],
            average,
        ]
        for i in range(len(bar_cluster))
    ]
    columns = ["x", "y", "colors", "centerx", "centery", "y_sil", "x1", "x2", "color_sil", "silhouette_avg"]
    log_chart("silhouette_plot", "wandb/silhouette_/v1", columns, rows)
