"""Publishing: ranking rules, the published decision document and the machine-readable exports."""
