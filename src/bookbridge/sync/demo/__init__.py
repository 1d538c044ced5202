"""The demo trucking company: demo data, its card statement, the headless demo with its month end, the desktop demo's job."""
