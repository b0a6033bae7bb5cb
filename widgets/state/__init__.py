"""The state floor of ``widgets``: each dashboard's state as a traitlets model over the maths.

- ``settings_model``: the base, settings validated with a sentence, one rebuild per change
- ``presets``: a model in the state a link asks for, and the link of a model's state
- ``explorer_model``, ``mlp_model``, ``sequence_model``, ``training_model``: the four states
- ``training_run``: the training run, a controller that talks only to its model
- ``questions``: predict-then-check questions read from ``questions/`` (``question_bank``,
  ``question_schema``), answered by a fixed set of checks (``question_checks``) that read the
  four models (``question_facts``, ``question_training``); learners' typing is read by
  ``question_answers``

It imports the maths and the store, and no widget library: views observe these models, the
models never reach into a view.
"""
