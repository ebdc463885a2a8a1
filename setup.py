import setuptools

setuptools.setup(install_requires=[
    line.strip() for line in open("requirements.txt")
    if line.strip() and not line.startswith("#")])
