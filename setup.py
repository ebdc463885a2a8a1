import os

import setuptools

# requirements.txt is the one list of run-time dependencies; MANIFEST.in puts
# it in the sdist, so a wheel built from the sdist gets the same list.
HERE = os.path.dirname(os.path.abspath(__file__))


def requirements():
    with open(os.path.join(HERE, "requirements.txt")) as lines:
        return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


setuptools.setup(install_requires=requirements())
