"""`gandiag theory`'s exact worlds and their claims."""
