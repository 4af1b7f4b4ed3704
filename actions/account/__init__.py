"""Account help: sign-in troubleshooting and payment problems, from the help center's articles."""
