"""The demo trucking company: demo data and the headless demo run."""
