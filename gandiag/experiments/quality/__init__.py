"""`gandiag quality`: sample quality, its classifier, and Figure 3's caption."""
