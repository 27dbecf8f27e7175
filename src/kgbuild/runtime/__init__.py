"""Process helpers the stages share: the no-network sandbox and the worker pool."""
