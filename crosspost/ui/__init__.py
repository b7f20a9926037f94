"""The dashboard: a web page on this computer for the stories folder, the calendar, previews,
adding stories and accounts (`crosspost ui`, `crosspost watch --ui`).

Made of the same engine as the commands: the registry (read a page at a time through
:mod:`crosspost.state.browse`), the :class:`~crosspost.delivery.Publisher`, the renderer's
preview, the watcher's file checks and the keyring. Modules: ``security`` (who may use
it), ``views`` (what the pages show, pure), ``actions`` (what the buttons do), ``app`` (the
routes), ``server`` (serving on 127.0.0.1). The web framework is imported only here.
"""
