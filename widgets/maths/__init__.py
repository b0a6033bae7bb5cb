"""The maths floor of ``widgets``: what the dashboards compute, and the settings it takes.

Modules import torch, numpy and the standard library only (pandas too, to read a CSV file,
and only when one is read; no widget library, no Pillow, no disk but the data files they
read), and importing them changes no global state (torch's thread count included): a
script, a test or another front end can use them as they are. The tutorial's symbols map to
code names as n_X -> ``n_x``, H -> ``hidden_size``, n_E -> ``seq_len``, b_S ->
``batch_size``, n_S -> ``n_s``.

- ``lstm``: a seeded ``nn.LSTM``, its input batch, and the recurrence traced step by step
- ``mlp``: the tutorial's 2-layer network and its checks
- ``sequence``: datasets in the (n_S, n_E, n_X) notation and how ``nn.LSTM`` reads them
- ``tasks``: what the training dashboard learns (the temperatures, the adding problem, a
  CSV series) and the yardsticks it is held to
- ``series_csv``: a learner's own CSV file read as a series (``csv_sniff`` finds its
  encoding, delimiter, decimal mark and header; ``series_pick`` cuts the chosen series), and
  the example series of vega_datasets; ``series_task`` makes it a task like the temperatures
- ``training``: ``TrainConfig``, the many-to-one model and the loop that trains it in slices
- ``memory``: forget-gate survival and |dŷ/dx_e| by autograd
- ``corpus``: the short movie reviews
- ``limits``: settings checked with a plain sentence, one value or a link's query of them
"""
