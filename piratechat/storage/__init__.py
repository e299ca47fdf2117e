"""Where lines are kept: IHistory implementations."""
