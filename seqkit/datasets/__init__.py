"""Known corpora and labelled datasets: the catalog, downloading, converting and reading them."""
