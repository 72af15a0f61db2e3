"""`gandiag theory`: each theorem where P_r, P_g and D* are known exactly."""
