"""The store floor of ``widgets``: what lasts on disk.

- ``model_cache``: trained models shared by every kernel of a server, one lock per config
  (``filelock``), in the platform's cache folder (``platformdirs``) unless told otherwise
- ``pretrain``: ``python -m widgets.store.pretrain QUERY ...``, a lesson's models into the cache
- ``answers``: the class's answers (``AnswerStore``): recorded by every kernel, refused with a
  sentence when too long or too fast, read for the teacher by question, exported as CSV, in
  sessions a teacher starts; its database in ``answer_db`` (SQLite in the platform's data
  folder with WAL, or PostgreSQL by URL, through SQLAlchemy), its records in
  ``answer_records``, the per-student limits in ``rate_limit``

It imports the maths floor and no widget library.
"""
