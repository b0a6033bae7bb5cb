"""The store floor of ``widgets``: what lasts on disk.

- ``model_cache``: trained models shared by every kernel of a server, one lock per config
  (``filelock``), in the platform's cache folder (``platformdirs``) unless told otherwise
- ``pretrain``: ``python -m widgets.store.pretrain QUERY ...``, a lesson's models into the cache

It imports the maths floor and no widget library.
"""
