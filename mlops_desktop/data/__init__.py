"""Step 1, Data: import, typed schema, column roles, splits, checks, immutable versions.

Job functions (run them with ``JobPool`` or ``run_inline``; each takes the JobContext first):

* ``importer.inspect_file(ctx, path, read_options=None, rows=200)`` - wizard steps 1-3;
* ``importer.analyze(ctx, path, target, ...)`` - wizard step 5, the checks report (no writes);
* ``importer.import_dataset(ctx, path, name, target, ...)`` - wizard step 6 and the CLI.

Building blocks: ``preparation`` (read, type, roles, split: what the jobs share),
``sniff``/``readers`` (files), ``schema`` (column types), ``roles``, ``pii``,
``splits``, ``checks`` (``run_checks`` -> ``Finding``), ``profile``, ``hashing``; versions are
stored by ``mlops_desktop.registry.dataset_store.DatasetStore``. Modules import lazily from
here so the GUI can import this package without loading pandas or scikit-learn.
"""
