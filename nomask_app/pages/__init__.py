"""Pages, registered on the app in `nomask_app.nomask_app`."""
