"""Code the Rasa server loads by name from endpoints.yml (Python 3.10, the Rasa environment).

Importing the package (Rasa does, for the tracker store named in endpoints.yml) also installs
the compiled check of the action server's replies (`action_results`).
"""

from rasa_addons import action_results

action_results.install()
