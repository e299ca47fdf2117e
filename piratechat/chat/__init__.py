"""What a line is and what happens to it: validate, translate, store, publish."""
