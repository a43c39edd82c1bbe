"""Running long work on a Ray cluster: AI renders split into overlapping chunks, batch items as tasks.

The lowest layer of the package (below diffusion/ and media/): it knows nothing of models or media.
Callers hand it a module-level function (pickled by reference for the workers) and the frames or
items; without an active cluster everything runs in this process, exactly as before. Ray is an
optional dependency, imported only when a cluster is really used (``pip install "ray[default]"``).
"""

from .chunks import blend_chunks, plan_chunks
from .session import Cluster, active, connect, render_chunked, run_task, using, using_address

__all__ = ["Cluster", "active", "blend_chunks", "connect", "plan_chunks", "render_chunked", "run_task", "using",
           "using_address"]
