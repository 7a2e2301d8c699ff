"""Other tools' model files, read and written exactly as those tools do."""
