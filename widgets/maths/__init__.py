"""The maths floor of ``widgets``: what the dashboards compute, with no widget library.

Modules import torch, numpy, Pillow and the standard library only, and importing them changes
no global state (torch's thread count included): a script, a test or another front end can use
them as they are. The tutorial's symbols map to code names as n_X -> ``n_x``, H ->
``hidden_size``, n_E -> ``seq_len``, b_S -> ``batch_size``, n_S -> ``n_s``.

- ``lstm``: a seeded ``nn.LSTM``, its input batch, and the recurrence traced step by step
- ``mlp``: the tutorial's 2-layer network and its checks
- ``sequence``: datasets in the (n_S, n_E, n_X) notation and how ``nn.LSTM`` reads them
- ``tasks``: what the training dashboard learns (the temperatures, the adding problem) and
  the yardsticks it is held to
- ``training``: ``TrainConfig``, the many-to-one model and the loop that trains it in slices
- ``memory``: forget-gate survival and |dŷ/dx_e| by autograd
- ``model_cache``: trained models on disk, shared by a server's kernels
- ``pretrain``: ``python -m widgets.maths.pretrain``, a lesson's models into the cache
- ``corpus``: the short movie reviews
- ``limits``: settings (whole numbers, numbers) checked with a plain sentence
- ``presets``: settings from a URL's query string, and the query string of a state
- ``colors``: palettes, colour indices and PNG pictures of matrices
"""
