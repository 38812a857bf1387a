"""Record, replay and drift: exchanges with the real services written as cassettes (``cassette``), recorded by
forwarding a vendor's requests upstream (``recorder``)."""
