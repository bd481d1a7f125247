"""The car park (停车/道闸): its commands and their handlers."""
