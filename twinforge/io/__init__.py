"""Reading tables: sources, cell typing, schema inference, batches, the train/holdout split, the state folder."""
